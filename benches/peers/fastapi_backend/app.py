"""The FastAPI + uvicorn peer of the Rust backend's two benchmarked routes, built the way the original Python
TradAI backend is (FastAPI, Pydantic models, an in-memory repository and queue), so the Rust service can be
compared with its predecessor's stack on the same machine (docs/benchmarks.md).

    POST /api/v1/backtests        validate a BacktestConfig, honour Idempotency-Key, store PENDING, queue it
    GET  /api/v1/backtests/{id}   the job, or 404

Every request is authorised by an RS256 bearer token (issuer, expiry, token_use, client id) like the Rust
service, which also remembers verified tokens until they expire.
Environment: PEER_PUBLIC_KEY (PEM), PEER_ISSUER, PEER_CLIENT_ID.
"""
import datetime as dt
import os
import re
import time
import uuid
from typing import Dict, List, Literal, Optional

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator, model_validator

PUBLIC_KEY = os.environ["PEER_PUBLIC_KEY"]
ISSUER = os.environ["PEER_ISSUER"]
CLIENT_ID = os.environ["PEER_CLIENT_ID"]
SYMBOL = re.compile(r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$")

app = FastAPI(title="TradAI backend (FastAPI peer)", version="0.1.0")
JOBS: Dict[str, dict] = {}
IDEMPOTENCY: Dict[str, str] = {}
QUEUE: List[dict] = []


# Like the Rust verifier: a token that passed every check is remembered until it expires.
VERIFIED: Dict[str, dict] = {}


def principal(authorization: Optional[str] = Header(default=None)) -> dict:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail={"code": "AUTH001", "message": "missing bearer token"})
    remembered = VERIFIED.get(authorization)
    if remembered is not None and time.time() <= remembered["exp"] + 60:
        return remembered
    try:
        claims = jwt.decode(authorization[7:], PUBLIC_KEY, algorithms=["RS256"], issuer=ISSUER,
                            options={"require": ["exp", "iss", "token_use"]}, leeway=60)
    except jwt.PyJWTError as e:
        raise HTTPException(status_code=401, detail={"code": "AUTH002", "message": str(e)})
    if claims.get("token_use") != "access" or claims.get("client_id") != CLIENT_ID:
        raise HTTPException(status_code=401, detail={"code": "AUTH002", "message": "wrong token_use or client"})
    if len(VERIFIED) >= 10_000:
        VERIFIED.clear()
    VERIFIED[authorization] = claims
    return claims


class BacktestConfig(BaseModel):
    strategy: str = Field(min_length=1)
    start_date: dt.date
    end_date: dt.date
    timeframe: Literal["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"] = "1h"
    symbols: List[str] = Field(default_factory=lambda: ["BTC/USDT:USDT"], min_length=1, max_length=50)
    stake_amount: float = Field(default=1000.0, gt=0)
    stoploss: Optional[float] = Field(default=None, gt=-1.0, lt=0.0)
    config_version_id: Optional[str] = None
    experiment_name: Optional[str] = None

    @field_validator("symbols")
    @classmethod
    def symbols_are_pairs(cls, values: List[str]) -> List[str]:
        for value in values:
            if not SYMBOL.match(value):
                raise ValueError(f"'{value}' is not BASE/QUOTE or BASE/QUOTE:SETTLE")
        return values

    @model_validator(mode="after")
    def start_before_end(self) -> "BacktestConfig":
        if self.start_date >= self.end_date:
            raise ValueError("start_date must be before end_date")
        return self


class JobView(BaseModel):
    job_id: str
    trace_id: str
    status: str
    strategy: str
    config: BacktestConfig
    created_at: str
    updated_at: str


@app.post("/api/v1/backtests", status_code=202, response_model=JobView)
def submit(config: BacktestConfig, _: dict = Depends(principal),
           idempotency_key: Optional[str] = Header(default=None)) -> JSONResponse:
    if idempotency_key and idempotency_key in IDEMPOTENCY:
        return JSONResponse(JOBS[IDEMPOTENCY[idempotency_key]], status_code=202)
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    job = JobView(job_id=str(uuid.uuid4()), trace_id=str(uuid.uuid4()), status="PENDING",
                  strategy=config.strategy, config=config, created_at=now, updated_at=now)
    body = job.model_dump(mode="json")
    JOBS[job.job_id] = body
    if idempotency_key:
        IDEMPOTENCY[idempotency_key] = job.job_id
    QUEUE.append({"job_id": job.job_id, "trace_id": job.trace_id})
    return JSONResponse(body, status_code=202, headers={"Location": f"/api/v1/backtests/{job.job_id}"})


@app.get("/api/v1/backtests/{job_id}", response_model=JobView)
def get_job(job_id: str, _: dict = Depends(principal)) -> dict:
    job = JOBS.get(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail={"code": "NOT_FOUND", "message": f"Backtest job '{job_id}' not found"})
    return job
