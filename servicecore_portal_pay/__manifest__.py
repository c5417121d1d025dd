{
    "name": "Portal Account Payments",
    "summary": "Customers pay any amount on their account from the portal, "
    "applied to the oldest invoices first",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/servicecore/servicecore_portal_pay",
    "author": "ServiceCore",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["account_payment", "payment_stripe"],
    "data": [
        "security/ir.model.access.csv",
        "security/ir_rules.xml",
        "data/ir_sequence_data.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/account_payment_views.xml",
        "views/portal_templates.xml",
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
