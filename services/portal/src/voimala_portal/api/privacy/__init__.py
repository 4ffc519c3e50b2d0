"""A person's rights through the coordinator: a copy of everything the services hold about a
participant (GDPR 15), their erasure (GDPR 17), and who has read or changed their data in any
service. The services do the work and keep the coordinator's role to themselves too; these
pages ask, show where each service stands, and say it in words."""

from fastapi import APIRouter

from . import access, audit, erasure

router = APIRouter()
for _module in (access, erasure, audit):
    router.include_router(_module.router)
