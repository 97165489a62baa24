from sqlmodel import select

from fieldcrm.clients.models import Client
from tests.factories import portfolio_world


def test_world_is_created_through_services(db):
    world = portfolio_world(db)
    names = set(db.exec(select(Client.display_name)).all())
    assert names == {"Boulangerie Hélène", "Garage Bernard", "Cave Castagné"}
    assert world["client_a"].owner_id == world["rep_a"].id
