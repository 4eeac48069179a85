"""``auditor worker``: a Celery worker that scans one target per task (broker Redis or Valkey).

Delivery is at-least-once and harmless to repeat: tasks are acknowledged after they finish
(``acks_late``), requeued when their worker process dies (``reject_on_worker_lost``), and
redelivered by the broker after ``visibility_timeout`` when the whole worker vanished; the
target's lease and the store's upserts make a second delivery finish the work without
duplicating it. Workers take one task at a time (prefetch 1) and are recycled after
``max_tasks_per_child`` tasks so memory cannot creep.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from auditor.config import AuditorConfig

TASK = "auditor.scan_target"
QUEUE = "auditor"


def make_app(broker: str, visibility_timeout: int) -> Any:
    from celery import Celery

    app = Celery("auditor", broker=broker, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_transport_options={"visibility_timeout": visibility_timeout},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )

    @app.task(name=TASK, bind=True, max_retries=None)
    def scan_target_task(self: Any, run_id: str, target: dict[str, Any], config: dict[str, Any], store_url: str) -> str:
        from auditor import throttle
        from auditor.scale import TargetBusy, is_database_outage, open_runs, scan_target
        from auditor.targets import Target

        cfg = AuditorConfig.model_validate(config)
        throttle.ensure(cfg.distributed.throttle, broker)  # every worker draws from the same buckets
        try:
            runs = open_runs(store_url)
        except Exception as exc:  # the store is down: retry later, the message stays unacknowledged
            raise self.retry(exc=exc, countdown=min(30, 2 ** min(self.request.retries, 5))) from exc
        try:
            return scan_target(runs, run_id, Target.from_json(target), cfg,
                               lease=timedelta(seconds=cfg.distributed.visibility_timeout))
        except TargetBusy as exc:
            raise self.retry(exc=exc, countdown=10) from exc
        except Exception as exc:
            if is_database_outage(exc):
                raise self.retry(exc=exc, countdown=min(30, 2 ** min(self.request.retries, 5))) from exc
            raise
        finally:
            runs.store.close()

    return app


def run_worker(broker: str, config: AuditorConfig, *, concurrency: int, max_tasks_per_child: int,
               loglevel: str = "INFO") -> None:
    app = make_app(broker, config.distributed.visibility_timeout)
    app.worker_main([
        "worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}",
        f"--max-tasks-per-child={max_tasks_per_child}", "-Q", QUEUE, "--without-gossip", "--without-mingle",
        "--pool=prefork",
    ])


def enqueue(broker: str, config: AuditorConfig, run_id: str, targets: list[Any], store_url: str) -> None:
    app = make_app(broker, config.distributed.visibility_timeout)
    payload = json.loads(config.model_dump_json())
    with app.connection_for_write() as conn:
        for target in targets:
            app.send_task(TASK, args=[run_id, target.to_json(), payload, store_url], queue=QUEUE, connection=conn)
