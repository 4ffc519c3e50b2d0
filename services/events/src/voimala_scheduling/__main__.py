from voimala_kit.service import serve

from .bootstrap import bootstrap
from .settings import Settings

settings = Settings()
serve(bootstrap(settings), settings)
