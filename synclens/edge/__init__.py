"""What every request meets before the app: the allowed hosts, CSRF's origin
check, the body limit and read timeout, security headers; and, in uvicorn's
protocol, a deadline for request headers (slowloris)."""
