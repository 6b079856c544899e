"""The whole customer base: value ranks, the LOY-05 pyramid, CRM-11's key accounts and the
activity model behind `p_active`, computed in one streaming pass (`Population`), and each
customer's standing in it (`standing`)."""

from .model import Population, PopulationParameters
from .standing import PYRAMID_LEVELS, standing

__all__ = ["PYRAMID_LEVELS", "Population", "PopulationParameters", "standing"]
