"""19.0.1.2.0: one reference and one status word everywhere the customer looks.

- The stored portal status of portal payments is the group of the customer's word now (a posted
  payment whose transaction later failed counts as paid): recomputed.
- The receipt email (``noupdate``) states the reference, time, card, payer and the balance after
  the payment. Its body and subject are reloaded where they are still as an earlier version
  shipped them; whatever staff edited is left as they made it.
"""

import hashlib

from odoo import SUPERUSER_ID, api
from odoo.tools import convert_file

MODULE = "servicecore_portal_pay"
TEMPLATE = "mail_template_portal_pay_receipt"
# SHA-256 of the English body of the receipt email as versions 19.0.1.0.0 and 19.0.1.1.0 shipped
# it.
SHIPPED_BODIES = {
    "299f351f84fc05e7e913ff9dd05c638b6024cd0f0153912f2fe692e25d1c8feb",
    "3f6985ef9171bc777a05754c7572e9f38ba76932d64c4a510e111be237fc8502",
}
# The fields data/mail_template_data.xml sets.
FILE_FIELDS = (
    "name",
    "model_id",
    "subject",
    "email_from",
    "use_default_to",
    "partner_to",
    "description",
    "lang",
    "auto_delete",
    "body_html",
)
SHIPPED_SUBJECT = (
    "Payment receipt {{ object.payment_transaction_id.reference or object.name }} - "
    "{{ object.company_id.name }}"
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    payments = env["account.payment"].search([("is_portal_payment", "=", True)])
    env.add_to_compute(payments._fields["portal_pay_state"], payments)
    payments.flush_recordset(["portal_pay_state"])

    cr.execute(
        """
        SELECT template.id, template.body_html->>'en_US', template.subject->>'en_US'
          FROM ir_model_data data
          JOIN mail_template template ON template.id = data.res_id
         WHERE data.module = %s AND data.name = %s AND data.model = 'mail.template'
        """,
        [MODULE, TEMPLATE],
    )
    row = cr.fetchone()
    if not row:
        return
    template_id, body, subject = row
    reload = []
    if hashlib.sha256((body or "").encode()).hexdigest() in SHIPPED_BODIES:
        reload.append("body_html")
    if subject == SHIPPED_SUBJECT:
        reload.append("subject")
    if not reload:
        return
    # The file loaded as at install (its `noupdate` makes an update skip the record), then
    # everything but the reloaded texts put back as staff left it.
    template = env["mail.template"].browse(template_id)
    kept = template.read([name for name in FILE_FIELDS if name not in reload])[0]
    kept.pop("id")
    kept["model_id"] = kept["model_id"][0]
    convert_file(env, MODULE, "data/mail_template_data.xml", {}, mode="init")
    template.write(kept)
