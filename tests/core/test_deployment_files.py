"""docker-compose.yml runs with `--scale web=2 --scale worker=2` (parsed; Docker is not run)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_scaled_services_publish_no_host_port():
    """Two containers cannot bind one host port: only the proxy publishes one."""
    for name in ("web", "worker", "beat"):
        assert "ports" not in SERVICES[name], name
        assert "container_name" not in SERVICES[name], name
    assert [name for name, service in SERVICES.items() if service.get("ports")] == ["proxy"]


def test_the_proxy_forwards_to_every_web_container():
    proxy = SERVICES["proxy"]
    mounted = [volume.split(":")[0] for volume in proxy["volumes"]]
    config = (ROOT / mounted[0]).read_text()
    # The web service's gunicorn bind, the port the proxy sends to.
    bind = SERVICES["web"]["command"][SERVICES["web"]["command"].index("--bind") + 1]
    assert bind.endswith(":8000")
    assert "server web:8000 resolve;" in config
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in config
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in config


def test_state_is_shared_not_local():
    """Uploads on one volume every web container mounts; beat, which keeps a schedule, is single."""
    assert "media:/app/var/media" in SERVICES["web"]["volumes"]
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    app = COMPOSE["x-app"]["environment"]
    assert app["REDIS_URL"].startswith("redis://")  # cache, sessions, broker
    assert "DATABASE_REPLICA_URL" in app
