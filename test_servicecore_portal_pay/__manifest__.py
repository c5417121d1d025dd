{
    "name": "Portal Account Payments - Tests",
    "summary": "Test-only addon: browser tours and Demo provider flows of servicecore_portal_pay",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/servicecore/servicecore_portal_pay",
    "author": "ServiceCore",
    "license": "LGPL-3",
    "depends": ["servicecore_portal_pay", "payment_demo"],
    "assets": {
        "web.assets_tests": [
            "test_servicecore_portal_pay/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
