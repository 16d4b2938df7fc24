"""The sandbox's government backends, one module each (named like the adapter
and the config key). BACKEND_CLASSES is the explicit list the server starts."""
from __future__ import annotations

from sandbox.backends.appointments import AppointmentsBackend
from sandbox.backends.civil_affairs import CivilAffairsBackend
from sandbox.backends.exit_entry import ExitEntryBackend
from sandbox.backends.housing_fund import HousingFundBackend
from sandbox.backends.identity import IdentityBackend
from sandbox.backends.market_regulation import MarketRegulationBackend
from sandbox.backends.medical_insurance import MedicalInsuranceBackend
from sandbox.backends.social_insurance import SocialInsuranceBackend
from sandbox.backends.utilities import UtilitiesBackend
from sandbox.backends.workorders import WorkordersBackend

BACKEND_CLASSES = {
    cls.name: cls
    for cls in (
        IdentityBackend,
        HousingFundBackend,
        SocialInsuranceBackend,
        MedicalInsuranceBackend,
        ExitEntryBackend,
        MarketRegulationBackend,
        UtilitiesBackend,
        AppointmentsBackend,
        WorkordersBackend,
        CivilAffairsBackend,
    )
}
