"""Records kept beside the archive's own, never shown to the public: texts held back for a
clerk (HeldText) and the register of erasures (Erasure).

Defined here and re-exported by notes.models, where Django and the rest of the app find them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from notes.values import normalise_newlines

__all__ = ["Erasure", "HeldText", "StagedProtocol"]


class HeldText(models.Model):
    """An annotation text a clerk imported as a draft into a meeting that is already public.

    Drafts are meetings, and everything of a published meeting is public; so such a text is
    held here, outside the archive (nothing public reads this table), until a clerk publishes
    it, which imports it as any text is imported, or discards it.
    """

    source = models.CharField(_("källa"), max_length=500)
    text = models.TextField(_("text"), help_text=_("Som den importerades; rätta här vid behov."))
    held_at = models.DateTimeField(_("importerad"), auto_now_add=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("importerad av"),
    )

    class Meta:
        verbose_name = _("väntande text")
        verbose_name_plural = _("väntande texter")
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return self.source

    def save(self, *args, **kwargs):
        self.text = normalise_newlines(self.text)
        super().save(*args, **kwargs)


class Erasure(models.Model):
    """A text erased from the archive on a court order or a request under the GDPR: which
    annotation, when and why (notes.ingest.erasure). The annotation stays, saying that its
    text was removed; the text is gone from it, its history, the vocabulary and every output.
    """

    annotation = models.ForeignKey(
        "notes.Annotation",
        on_delete=models.PROTECT,
        related_name="erasures",
        verbose_name=_("anteckning"),
    )
    erased_at = models.DateTimeField(_("raderad"), auto_now_add=True)
    reason = models.TextField(_("skäl"))
    requested_by = models.CharField(_("begärd av"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("radering")
        verbose_name_plural = _("raderingar")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="erasure_has_reason")]

    def __str__(self) -> str:
        return f"{self.annotation_id} {self.erased_at:%Y-%m-%d}"


class StagedProtocol(models.Model):
    """An uploaded protocol between the admin's preview and the clerk's confirmation, kept in
    the database so that any app server can finish the import; deleted once imported, and
    after a day (notes.ingest.admin_protocol)."""

    digest = models.CharField(_("kontrollsumma"), max_length=64, unique=True)
    name = models.CharField(_("filnamn"), max_length=255)
    data = models.BinaryField(_("innehåll"))
    staged_at = models.DateTimeField(_("uppladdad"), auto_now_add=True)

    class Meta:
        verbose_name = _("uppladdat protokoll")
        verbose_name_plural = _("uppladdade protokoll")

    def __str__(self) -> str:
        return self.name
