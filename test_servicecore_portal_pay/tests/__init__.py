from . import test_portal_pay_tour
