"""The default SLA set (vigil/sla/defaults.py): a 24/7 calendar and eight policies; and the
target's policy reference without a database constraint."""

import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from vigil.sla.defaults import install_defaults

    install_defaults(apps.get_model("sla", "Calendar"), apps.get_model("sla", "SlaPolicy"))


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="ticketsla",
            name="policy",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="sla.slapolicy",
            ),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
