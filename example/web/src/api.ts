// The page's link to the example server: one client per service over the
// transport the user picked, both speaking to the origin that served the
// page.
import { createClient, type Client, ConnectError, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { BadRequestSchema } from "./gen/google/rpc/error_details_pb";
import { AuthorService, BookService } from "./gen/library/v1/library_pb";

export type TransportName = "connect" | "grpc-web";

export const transportLabels: Record<TransportName, string> = {
  connect: "Connect",
  "grpc-web": "gRPC-Web",
};

export interface Api {
  transport: TransportName;
  books: Client<typeof BookService>;
  authors: Client<typeof AuthorService>;
}

// connect sends Connect's JSON encoding; grpc-web sends gRPC-Web's binary
// frames. The server answers both on the same routes.
export function newApi(transport: TransportName, baseUrl: string): Api {
  // Connect sends the methods marked side-effect free in the protos
  // (idempotency_level = NO_SIDE_EFFECTS: Get, List, BatchGet) as GET
  // requests; gRPC-Web has only POST.
  const t: Transport =
    transport === "grpc-web"
      ? createGrpcWebTransport({ baseUrl })
      : createConnectTransport({ baseUrl, useHttpGet: true });
  return {
    transport,
    books: createClient(BookService, t),
    authors: createClient(AuthorService, t),
  };
}

// Failure is an error made readable: the status message and the field
// violations of a google.rpc.BadRequest detail, by field path
// ("book.title").
export interface Failure {
  code: string;
  message: string;
  fields: Map<string, string>;
}

export function failure(err: unknown): Failure {
  const ce = ConnectError.from(err);
  const fields = new Map<string, string>();
  for (const br of ce.findDetails(BadRequestSchema)) {
    for (const v of br.fieldViolations) {
      const prev = fields.get(v.field);
      fields.set(v.field, prev ? `${prev}; ${v.description}` : v.description);
    }
  }
  return { code: codeName(ce.code), message: ce.rawMessage, fields };
}

// codeName spells a status code as gRPC does (invalid_argument).
function codeName(code: number): string {
  const names = [
    "ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found",
    "already_exists", "permission_denied", "resource_exhausted", "failed_precondition",
    "aborted", "out_of_range", "unimplemented", "internal", "unavailable", "data_loss",
    "unauthenticated",
  ];
  return names[code] ?? `code ${code}`;
}
