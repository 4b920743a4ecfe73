"""The framework's floor: a FastAPI endpoint that returns a constant (for the HTTP benchmark)."""

from fastapi import FastAPI

app = FastAPI()


@app.post("/v1/moderate")
def moderate() -> dict[str, str]:
    return {"verdict": "approve"}
