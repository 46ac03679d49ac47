"""Votes (omröstningar) on agenda items, and who attended a meeting: read from protocols.

A vote has the counts the protocol gives and, where it names them, how each party's members
or each member voted (Ballot: a party without a person is "the party's members voted so").
Defined here and re-exported by notes.models, where Django and the rest of the app find them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Attendance", "Ballot", "Vote"]


class Choice(models.TextChoices):
    YES = "ja", _("Ja")
    NO = "nej", _("Nej")
    ABSTAIN = "avstar", _("Avstår")


class Vote(models.Model):
    item = models.ForeignKey(
        "notes.AgendaItem", on_delete=models.CASCADE, related_name="votes", verbose_name=_("ärende")
    )
    position = models.PositiveSmallIntegerField(_("ordning"), default=1)
    question = models.TextField(_("fråga"), blank=True, default="")
    yes = models.PositiveIntegerField(_("ja"), null=True, blank=True)
    no = models.PositiveIntegerField(_("nej"), null=True, blank=True)
    abstain = models.PositiveIntegerField(_("avstår"), null=True, blank=True)
    result = models.TextField(_("utfall"), blank=True, default="")

    class Meta:
        verbose_name = _("omröstning")
        verbose_name_plural = _("omröstningar")
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="vote_unique_item_position")
        ]

    def __str__(self) -> str:
        counts = "–".join("?" if n is None else str(n) for n in (self.yes, self.no, self.abstain))
        return f"{self.item}: {counts}"

    def named_ballots(self) -> list[Ballot]:
        """The members' own votes, where the protocol names them (from the prefetch)."""
        return [ballot for ballot in self.ballots.all() if ballot.person_id is not None]

    def sides(self) -> list[tuple[str, int | None, list[str]]]:
        """(label, count, party abbreviations) per side, for "Ja 7: S, V, MP"."""
        by_choice: dict[str, list[str]] = {}
        for ballot in self.ballots.all():
            if ballot.party is not None:
                names = by_choice.setdefault(ballot.choice, [])
                if ballot.party.abbreviation not in names:
                    names.append(ballot.party.abbreviation)
        counts = {Choice.YES: self.yes, Choice.NO: self.no, Choice.ABSTAIN: self.abstain}
        return [
            (str(choice.label), counts[choice], by_choice.get(choice.value, []))
            for choice in Choice
            if counts[choice] or by_choice.get(choice.value)
        ]


class Ballot(models.Model):
    vote = models.ForeignKey(
        Vote, on_delete=models.CASCADE, related_name="ballots", verbose_name=_("omröstning")
    )
    choice = models.CharField(_("röst"), max_length=10, choices=Choice.choices)
    party = models.ForeignKey(
        "notes.Party", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("parti")
    )
    person = models.ForeignKey(
        "notes.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ballots",
        verbose_name=_("ledamot"),
    )

    class Meta:
        verbose_name = _("röst")
        verbose_name_plural = _("röster")
        ordering = ["vote", "id"]
        indexes = [models.Index(fields=["party", "vote"], name="ballot_party_vote_idx")]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.choice}"


class Attendance(models.Model):
    class Role(models.TextChoices):
        MEMBER = "beslutande", _("Beslutande")
        SERVING = "tjanstgorande_ersattare", _("Tjänstgörande ersättare")
        DEPUTY = "ersattare", _("Ersättare")

    meeting = models.ForeignKey(
        "notes.Meeting",
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("sammanträde"),
    )
    person = models.ForeignKey(
        "notes.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    role = models.CharField(_("roll"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("närvaro")
        verbose_name_plural = _("närvaro")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_unique_person")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.person_id} {self.role}"
