"""The one NinjaAPI of the desk: mounts every app's router, bearer-token auth, one error shape."""

from ninja import NinjaAPI

api = NinjaAPI(title="Tandem API", version="1", urls_namespace="api")
