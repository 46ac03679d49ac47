import datetime

import pytest
from django.db import IntegrityError, transaction

from notes.models import AgendaItem, Annotation, Meeting, Party
from tests.factories import AgendaItemFactory, AnnotationFactory, BodyFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def raises_integrity(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_meeting_unique_per_body_and_date():
    meeting = MeetingFactory()
    raises_integrity(lambda: Meeting.objects.create(body=meeting.body, date=meeting.date))
    other_body = BodyFactory(name="Kommunfullmäktige", short_name="KF")
    Meeting.objects.create(body=other_body, date=meeting.date)  # another body, same day: fine


def test_item_number_unique_per_meeting():
    item = AgendaItemFactory(number=22)
    raises_integrity(lambda: AgendaItem.objects.create(meeting=item.meeting, number=22))
    AgendaItem.objects.create(meeting=MeetingFactory(), number=22)  # another meeting: fine


def test_item_needs_number_or_paragraph():
    meeting = MeetingFactory()
    raises_integrity(lambda: AgendaItem.objects.create(meeting=meeting, title="Utan nummer"))
    AgendaItem.objects.create(meeting=meeting, paragraph=45, title="Bara paragraf")
    raises_integrity(lambda: AgendaItem.objects.create(meeting=meeting, paragraph=45))


def test_annotation_kind_checked_by_database():
    annotation = AnnotationFactory()
    raises_integrity(lambda: Annotation.objects.filter(pk=annotation.pk).update(kind="skvaller"))


def test_annotation_text_not_empty():
    annotation = AnnotationFactory()
    raises_integrity(lambda: Annotation.objects.filter(pk=annotation.pk).update(text=""))


def test_same_text_twice_on_one_item_refused():
    annotation = AnnotationFactory()
    raises_integrity(
        lambda: Annotation.objects.create(
            item=annotation.item, kind=annotation.kind, text=annotation.text
        )
    )


def test_party_colour_must_be_hex():
    raises_integrity(
        lambda: Party.objects.create(name="Testpartiet", abbreviation="T", slug="t", colour="red")
    )


def test_annotation_date_follows_its_meeting():
    annotation = AnnotationFactory()
    meeting = annotation.item.meeting
    assert annotation.date == meeting.date
    meeting.date = datetime.date(2019, 12, 12)
    meeting.save()
    annotation.refresh_from_db()
    assert annotation.date == datetime.date(2019, 12, 12)


def test_urls_and_strings(sample_annotation):
    item = sample_annotation.item
    assert sample_annotation.get_absolute_url() == f"/notes/{sample_annotation.pk}/"
    assert item.meeting.get_absolute_url() == f"/meetings/{item.meeting.pk}/"
    assert str(item.meeting) == "Kommunstyrelsen 2021-05-05"
    assert str(sample_annotation) == "Protokollsanteckning, Ärende 22, Kommunstyrelsen 2021-05-05"
