from . import payment
from . import portal
from . import post_processing
from . import receipt
from . import stripe
