"""How the OpenAPI document describes the API's two ways in."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ClientScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ClientAuthentication"
    name = "client"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "<key>.<secret>",
            "description": "A force's machine client, registered by its administrator.",
        }


class PortalSessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.PortalSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A signed-in person's session (both factors given), with CSRF.",
        }
