"""gRPC servicers: decode the request, call one domain function, encode the reply."""
