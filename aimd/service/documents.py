"""Documents servicer: the UI's documents (aimd.ingest.documents), written and read through the
writer thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import grpc

from aimd.ingest import documents
from aimd.ingest.transaction import Transaction
from aimd.ingest.writer import Writer
from aimd.service.status import handles_errors
from aimproto.v1 import documents_pb2, documents_pb2_grpc


def _message(doc: dict[str, Any]) -> documents_pb2.Document:
    return documents_pb2.Document(kind=doc["kind"], key=doc["key"], body=doc["body"], updated=doc["updated"])


class DocumentsService(documents_pb2_grpc.DocumentsServicer):
    def __init__(self, writer: Writer, activity: Any) -> None:
        self.writer = writer
        self.activity = activity

    async def _write(self, mutation: Callable[[Transaction], Any]) -> Any:
        return await asyncio.wrap_future(self.writer.submit(mutation))

    @handles_errors
    async def GetDocument(
        self, request: documents_pb2.DocumentRef, context: grpc.aio.ServicerContext
    ) -> documents_pb2.Document:
        return _message(await self._write(lambda tx: documents.get(tx, request.kind, request.key)))

    @handles_errors
    async def PutDocument(
        self, request: documents_pb2.Document, context: grpc.aio.ServicerContext
    ) -> documents_pb2.Document:
        doc = await self._write(lambda tx: documents.put(tx, request.kind, request.key, request.body))
        return _message(doc)

    @handles_errors
    async def DeleteDocument(
        self, request: documents_pb2.DocumentRef, context: grpc.aio.ServicerContext
    ) -> documents_pb2.DeleteDocumentReply:
        deleted = await self._write(lambda tx: documents.delete(tx, request.kind, request.key))
        return documents_pb2.DeleteDocumentReply(deleted=deleted)

    @handles_errors
    async def ListDocuments(
        self, request: documents_pb2.ListDocumentsRequest, context: grpc.aio.ServicerContext
    ) -> documents_pb2.ListDocumentsReply:
        docs = await self._write(lambda tx: documents.listing(tx, request.kind))
        return documents_pb2.ListDocumentsReply(documents=[_message(d) for d in docs])
