"""The job worker entry point, for deployments that run jobs in a process of their own (Procfile):

    FIELDCRM_JOBS_WORKER=external huey_consumer fieldcrm.worker.huey -w 2 -k thread

The app is created first (settings, database, every capability's task declarations), then its queue is
handed to huey's consumer; each task runs inside this app's context.
"""

from __future__ import annotations

from fieldcrm import create_app, jobs

# This process IS the external worker: it must not start a second, in-process consumer as well.
app = create_app({"JOBS_WORKER": "external"})
huey = jobs.queue_for(app).huey
