from . import test_accounting_configs
from . import test_amount_tour
from . import test_backend_tour
from . import test_demo_flow
from . import test_permission_tour
from . import test_portal_pay_tour
from . import test_receipt
from . import test_history_tour
