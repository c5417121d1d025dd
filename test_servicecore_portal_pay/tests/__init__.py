from . import test_accounting_configs
from . import test_backend_tour
from . import test_billing_tour
from . import test_demo_flow
from . import test_portal_pay_tour
