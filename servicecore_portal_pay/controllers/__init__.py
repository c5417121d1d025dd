from . import payment
from . import permission
from . import portal
from . import post_processing
from . import receipt
from . import stripe
