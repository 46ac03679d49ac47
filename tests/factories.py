"""factory_boy factories with Swedish data."""

import datetime

import factory
from django.utils import timezone
from django.utils.text import slugify

from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body
        django_get_or_create = ["name"]

    name = "Kommunstyrelsen"
    short_name = "KS"
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = Body.Kind.EXECUTIVE


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    body = factory.SubFactory(BodyFactory)
    date = factory.Sequence(lambda n: datetime.date(2021, 1, 4) + datetime.timedelta(days=n))
    published_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(published_at=None)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Detaljplan för Flemingsberg, etapp {n}")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party
        django_get_or_create = ["abbreviation"]

    name = "Socialdemokraterna"
    abbreviation = "S"
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    colour = "#b5121b"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Karin Lindqvist {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    party = factory.SubFactory(PartyFactory)


class AnnotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Annotation
        skip_postgeneration_save = True

    item = factory.SubFactory(AgendaItemFactory)
    kind = Annotation.Kind.PROTOKOLLSANTECKNING
    text = factory.Sequence(lambda n: f"Vi vill se fler fritidsgårdar i Skogås. Anteckning {n}.")
    date = factory.LazyAttribute(lambda o: o.item.meeting.date)

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        if create:
            self.parties.set(extracted if extracted is not None else [PartyFactory()])

    @factory.post_generation
    def signatories(self, create, extracted, **kwargs):
        if create and extracted:
            self.signatories.set(extracted)


def party(abbreviation: str) -> Party:
    """A real party from the parser's table."""
    from notes.importing import ensure_party
    from notes.parsing import find_party

    return ensure_party(find_party(abbreviation))
