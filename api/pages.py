"""The sergeant's page of their team's machine clients: approve or decline what the
administrator registered. A client reads nothing until a sergeant of its team approves it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .access import approves_clients, clients_of_my_team, get_client_for
from .models import Scope


@login_required
@require_http_methods(["GET"])
def client_approvals(request):
    if not approves_clients(request.user):
        raise Http404
    clients = list(
        clients_of_my_team(request.user)
        .select_related("created_by", "approved_by")
        .order_by("-created_at")
    )
    labels = dict(Scope.choices)
    for client in clients:
        client.scope_labels = [labels.get(scope, scope) for scope in client.scopes]
    pending = [c for c in clients if c.is_live and not c.is_approved]
    others = [c for c in clients if c not in pending]
    return render(request, "api/client_approvals.html", {"pending": pending, "others": others})


@login_required
@require_POST
def client_decide(request, code):
    client = get_client_for(request.user, code)
    if request.POST.get("decision") == "approve":
        services.client_approve(client=client, by=request.user)
        messages.success(request, f"{client.name} may now read what your team reads.")
    elif request.POST.get("decision") == "decline":
        services.client_decline(client=client, by=request.user)
        messages.success(request, f"{client.name} was declined and revoked.")
    return redirect("api_client_approvals")
