from odoo.addons.payment.controllers import post_processing


class PaymentPostProcessing(post_processing.PaymentPostProcessing):
    def _get_monitored_transaction(self):
        """Override of `payment`: the status poll books a Make a Payment transaction in a
        transaction of its own, one customer at a time (see `payment.transaction._post_process`).

        Only here: the poll holds no lock when it post-processes, so waiting for the customer's
        turn cannot wait on itself (a cron, for one, holds its job's row meanwhile).
        """
        return super()._get_monitored_transaction().with_context(portal_pay_serialize=True)
