/**
 * The five endpoints: authorization, decoding and the store call, producing a full
 * response. Every refusal is an `ApiFailure`; anything else thrown becomes a 500 with 98004.
 */
import { StatusCode } from '../api/status-codes.js';
import { requireGrant, requireScope, resolveUser, type AuthCheck } from './auth.js';
import { decodeCreate, decodeDelete, decodeListQuery, decodePatch, type ParsedBody } from './decode.js';
import { responseKind, SCOPES, type Route } from './routes.js';
import type { SecretStore } from './store.js';
import { ApiFailure, errorResponse, jsonResponse, secretJson, statusJson, type WireResponse } from './wire.js';

export interface ApiRequest {
  method: string;
  route: Route | undefined;
  query: URLSearchParams;
  body: ParsedBody;
  bodyTooLarge: boolean;
  auth: AuthCheck;
  reqId: string;
}

export interface ApiContext {
  store: SecretStore;
  /** At most this many secrets per page whatever `per_page` asks; undefined for no cap. */
  perPageCap: number | undefined;
  maxBodyBytes: number;
}

export function handleApi(request: ApiRequest, context: ApiContext): WireResponse {
  const kind = responseKind(request.route);
  try {
    return dispatch(request, context);
  } catch (error) {
    if (error instanceof ApiFailure) {
      return errorResponse(kind, error.httpStatus, error.code, request.reqId, error.details, error.headers);
    }
    // A bug of ours: say so without details that could carry request content.
    return errorResponse(kind, 500, StatusCode.INTERNAL_SERVER_ISSUE, request.reqId, 'internal error in the emulator');
  }
}

function dispatch(request: ApiRequest, context: ApiContext): WireResponse {
  const { route, reqId } = request;
  if (!route) throw new ApiFailure(404, StatusCode.CONN_DOES_NOT_EXIST, 'no such path');
  if (!route.operation) {
    throw new ApiFailure(405, StatusCode.CONN_METHOD_NOT_ALLOWED, `${request.method} is not allowed here`, { Allow: route.allow.join(', ') });
  }
  if (request.bodyTooLarge) {
    throw new ApiFailure(413, StatusCode.CONN_BAD_REQUEST_FORMAT, `the request body exceeds ${context.maxBodyBytes} bytes`, {
      Connection: 'close',
    });
  }
  const grant = requireGrant(request.auth);
  requireScope(grant, SCOPES[route.operation]);
  const userId = resolveUser(grant, route.userId);
  const { store } = context;
  const ok = statusJson(StatusCode.SUCCESS, reqId);

  switch (route.operation) {
    case 'get': {
      const secret = store.get(userId, route.secretId as string);
      if (!secret) throw new ApiFailure(404, StatusCode.CONN_DOES_NOT_EXIST, `secret "${route.secretId}" not found`);
      return jsonResponse(200, { status: ok, secret: secretJson(secret) }, StatusCode.SUCCESS);
    }
    case 'list': {
      const { page, perPage } = decodeListQuery(request.query);
      // The cap shapes the pages themselves: page 2 starts after the capped page 1.
      const size = Math.min(perPage, context.perPageCap ?? perPage);
      const secrets = store.page(userId, (page - 1) * size, size);
      return jsonResponse(200, { status: ok, secrets: secrets.map(secretJson) }, StatusCode.SUCCESS);
    }
    case 'create': {
      const created = store.create(userId, decodeCreate(request.body));
      return jsonResponse(200, { status: ok, secrets: created.map(secretJson) }, StatusCode.SUCCESS);
    }
    case 'update': {
      const { patches, action } = decodePatch(request.body);
      const updated = store.patch(userId, patches, action);
      return jsonResponse(200, { status: ok, secrets: updated.map(secretJson) }, StatusCode.SUCCESS);
    }
    case 'delete': {
      store.delete(userId, decodeDelete(request.body));
      return jsonResponse(200, { status: ok, secrets: [] }, StatusCode.SUCCESS);
    }
  }
}
