from . import test_demo_flow
