"""Run an MLflow tracking server for one test process: a SQLite store and artifact root in a fresh temporary
directory, bound to 127.0.0.1 on the given port. Prints READY once /health answers, and stops the server (and
removes the directory) as soon as the process that started it is gone.

Usage: python mlflow_launcher.py <port>
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


def main() -> None:
    port = int(sys.argv[1])
    parent = os.getppid()
    home = tempfile.mkdtemp(prefix="tradai-mlflow-")
    mlflow = os.path.join(os.path.dirname(sys.executable), "mlflow")
    server = subprocess.Popen(
        [mlflow, "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{home}/mlflow.db", "--default-artifact-root", f"{home}/artifacts"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        while not healthy(port):
            if server.poll() is not None:
                sys.exit(f"mlflow server exited with {server.returncode}")
            time.sleep(0.25)
        print("READY", flush=True)
        while os.getppid() == parent and server.poll() is None:
            time.sleep(0.5)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
