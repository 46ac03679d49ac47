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

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # One meeting per body and day: a date from the sequence that a test already gave a
        # meeting of the same body (say 2023-09-20) moves on to the next free day, whatever
        # the order the tests ran in.
        while model_class.objects.filter(body=kwargs["body"], date=kwargs["date"]).exists():
            kwargs["date"] += datetime.timedelta(days=1)
        return super()._create(model_class, *args, **kwargs)


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
        if create:  # one by one: the order given is the order entered
            for entered in extracted if extracted is not None else [PartyFactory()]:
                self.parties.add(entered)

    @factory.post_generation
    def signatories(self, create, extracted, **kwargs):
        if create and extracted:
            for entered in extracted:
                self.signatories.add(entered)


def party(abbreviation: str) -> Party:
    """A real party from the parser's table."""
    from notes.ingest.importing import ensure_party
    from notes.parties import find_party

    return ensure_party(find_party(abbreviation))


def make_archive(
    sample, *, reservation_text="Vi reserverar oss till förmån för vårt eget förslag."
):
    """The real sample plus two made-up annotations that differ in every filtered field:
    a KF reservation by V (item 7, KS-2019/45, 2019) and a separate statement by SD and V
    (item 22, 2023)."""
    kf = BodyFactory(name="Kommunfullmäktige", short_name="KF", kind="fullmaktige")
    meeting = MeetingFactory(body=kf, date=datetime.date(2019, 3, 11))
    item = AgendaItemFactory(meeting=meeting, number=7, case_number="KS-2019/45", title="Budget")
    v, sd = party("V"), party("SD")
    reservation = AnnotationFactory(
        item=item,
        kind="reservation",
        text=reservation_text,
        parties=[v],
        signatories=[PersonFactory(name="Olof Berg", slug="olof-berg", party=v)],
    )
    yttrande = AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory(date=datetime.date(2023, 9, 20)), number=22),
        kind="sarskilt_yttrande",
        text="Ett särskilt yttrande om skolan i Vårby.",
        parties=[sd, v],
    )
    return {"sample": sample, "reservation": reservation, "yttrande": yttrande}


def many_annotations(n: int) -> None:
    """n annotations on n meetings, each signed by two people of V and S (query-count tests)."""
    v, s = party("V"), party("S")
    for i in range(n):
        item = AgendaItemFactory(meeting=MeetingFactory(), number=i + 1, case_number=f"KS-2020/{i}")
        AnnotationFactory(
            item=item,
            parties=[v, s],
            signatories=[PersonFactory(party=v), PersonFactory(party=s)],
        )
