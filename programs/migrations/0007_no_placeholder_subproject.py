"""Decision 1719/QĐ-TTg divides its Project 3 into two sub-projects (TDA1 sustainable agro-forestry economy
with forest protection; TDA2 value chains, precious medicinal plants, start-ups and investment): the
reference data held a third, "Sub-project 3 of Project 3 (name to verify…)", that no decision names. It is
removed where nothing was recorded against it; where something was, it is kept for an administrator to
move those records, and stays marked "to verify"."""

from django.db import migrations

PLACEHOLDER = ("NTP-1719", "DA3.TDA3")


def remove_placeholder(apps, schema_editor):
    Component = apps.get_model("programs", "Component")
    component = Component.objects.filter(program__code=PLACEHOLDER[0], code=PLACEHOLDER[1], to_verify=True).first()
    if component is None:
        return
    for relation in Component._meta.related_objects:
        if relation.related_model._meta.model_name.startswith("historical"):
            continue  # the history of what referred to it stays as it was
        accessor = relation.get_accessor_name()
        if relation.many_to_many or relation.one_to_many:
            if getattr(component, accessor).exists():
                return
        elif relation.one_to_one and relation.related_model.objects.filter(**{relation.field.name: component}).exists():
            return
    component.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0006_alter_component_name_alter_program_name"),
        ("tracker", "0013_alter_deprivationindicator_name_and_more"),
    ]

    operations = [migrations.RunPython(remove_placeholder, migrations.RunPython.noop)]
