"""Map pins coloured by saved segment on 5,000 clients: pins.json server time with 0 (by status) and 8
segments (membership computed with one query per segment).

    .venv/bin/python bench/map_colours.py [--clients 5000] [--segments 8] [--repeat 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlmodel import Session  # noqa: E402

from bench import owndb  # noqa: E402
from bench.common import PASSWORD, backend_of, bench_app, fill_portfolio, summary, timed  # noqa: E402
from bench.map_load import locate_everyone  # noqa: E402
from fieldcrm.accounts.models import User  # noqa: E402
from fieldcrm.segments import services  # noqa: E402
from fieldcrm.segments.models import COLOURS  # noqa: E402

SEGMENT_FILTERS = [{"status": ["client"]}, {"departments": "69, 01"}, {"sector": "boulang"}, {"city": "lyon"},
                   {"status": ["prospect", "lead"]}, {"departments": "13"}, {"q": "sarl"}, {"sector": "garage"}]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=10)
    owndb.add_argument(parser)
    args = parser.parse_args()
    with bench_app(backend_of(args.database_url), args.database_url) as app:
        measure(app, args)


def measure(app, args) -> None:
    rep = fill_portfolio(app, args.clients)
    locate_everyone(app)
    with app.test_request_context(), Session(app.extensions["fieldcrm.engine"], expire_on_commit=False) as db:
        actor = db.get(User, rep.id)
        for i in range(args.segments):
            filters = SEGMENT_FILTERS[i % len(SEGMENT_FILTERS)]
            services.save_segment(db, actor, filters, f"Segment {i + 1}", False, COLOURS[i % len(COLOURS)])
    http = app.test_client()
    assert http.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 303
    data = http.get("/map/pins.json?colour_by=segment").get_json()
    print(f"{args.clients} clients, {args.segments} segments on {app.extensions['fieldcrm.engine'].dialect.name}")
    print("  legend:", ", ".join(f"{x['label']} {x['count']}" for x in data["legend"]))
    print(f"  pins.json by status:  {summary(timed(lambda: http.get('/map/pins.json'), args.repeat))}")
    print(f"  pins.json by segment: "
          f"{summary(timed(lambda: http.get('/map/pins.json?colour_by=segment'), args.repeat))}")


if __name__ == "__main__":
    main()
