{
    "name": "Portal Account Payments",
    "summary": "Customers pay any amount on their account from the portal, "
    "applied to the oldest invoices first",
    "version": "19.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/servicecore/servicecore_portal_pay",
    "author": "ServiceCore",
    "maintainers": ["servicecore"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["account_payment", "payment_stripe"],
    "images": ["static/description/make-a-payment.png"],
    "data": [
        "security/ir.model.access.csv",
        "security/ir_rules.xml",
        "data/ir_sequence_data.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/account_payment_views.xml",
        "views/portal_templates.xml",
        "views/portal_history_templates.xml",
        "views/portal_currency_templates.xml",
        "views/portal_choose_templates.xml",
        "report/portal_pay_statement_report.xml",
        # Accounting staff (issue 4): the receipt report before the email that attaches it.
        "report/portal_pay_receipt_report.xml",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "views/account_move_views.xml",
        "views/payment_transaction_views.xml",
        "views/portal_pay_receipt_templates.xml",
        "wizards/portal_pay_apply_wizard_views.xml",
        "views/portal_billing_templates.xml",
    ],
    "demo": [
        "demo/portal_pay_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "servicecore_portal_pay/static/src/interactions/**/*",
            "servicecore_portal_pay/static/src/scss/**/*",
        ],
        "web.assets_tests": [
            "servicecore_portal_pay/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
