"""loyalty_rules: customer-management practice as explained, declarative rules.

The package root is the public API; every other module is private and may move.
"""

from .decisions.arbitration import ContactPolicy
from .decisions.model import Decision, Recommendation, Suppressed
from .engine.engine import Engine
from .errors import (
    EngineError,
    LoyaltyRulesError,
    PluginError,
    PopulationError,
    Problem,
    RecordError,
    RulesetError,
    ScenarioError,
    UsageError,
)
from .facts.models import Customer, normalise_personality
from .facts.profile import Profile, ProfileParameters, derive_profile
from .io.reading import (
    Rejected,
    attribute_date,
    load_customers,
    parse_customer,
    read_customers,
)
from .language.model import ActionSpec, AttributeSpec, Computation, FactNamespace
from .plugins.hookspecs import hookimpl, hookspec
from .plugins.manager import get_plugin_manager
from .population import Population, PopulationParameters

__version__ = "0.1.0"

__all__ = [
    "ActionSpec", "AttributeSpec", "Computation", "ContactPolicy", "Customer", "Decision",
    "Engine", "EngineError", "FactNamespace", "LoyaltyRulesError", "PluginError", "Problem",
    "Profile", "ProfileParameters", "Recommendation", "RecordError", "Rejected",
    "RulesetError", "ScenarioError", "Suppressed", "UsageError", "attribute_date",
    "derive_profile",
    "get_plugin_manager", "hookimpl", "hookspec", "load_customers", "normalise_personality",
    "parse_customer", "read_customers", "Population", "PopulationParameters",
    "PopulationError",
]
