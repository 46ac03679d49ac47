"""Why the filter form's widgets are written in Python (notes/web/formrender.py): a figure.

Renders the /notes/ filter form (q=skola&party=S) both ways, 200 times, best of five, and
prints milliseconds per form. Run: `.venv/bin/python manage.py shell < bench/formrender.py`.
Both sides read the party and body choices from the database, as a page does.
"""

import timeit

from django.http import QueryDict
from django.template import engines

from notes.models import Annotation
from notes.queries.filters import AnnotationFilter
from notes.web.formrender import choice_inputs, render_widget

DJANGO = engines["django"].from_string("{% for field in form %}{{ field }}{% endfor %}")
QUERY = "q=skola&party=S"


def bound_form():
    return AnnotationFilter(QueryDict(QUERY), queryset=Annotation.objects.none()).form


def with_django_templates() -> str:
    return DJANGO.render({"form": bound_form()})


def with_formrender() -> str:
    out = []
    for field in bound_form():
        if field.name == "party":
            out.extend(str(markup) for markup, _value, _label in choice_inputs(field))
        else:
            out.append(render_widget(field))
    return "".join(out)


def per_form(render, number: int = 200) -> float:
    render()
    return min(timeit.repeat(render, number=number, repeat=5)) / number * 1000


print(
    f"Django's widget templates: {per_form(with_django_templates):.2f} ms per form; "
    f"formrender: {per_form(with_formrender):.2f} ms per form"
)
