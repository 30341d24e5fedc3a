/**
 * Field names of Clarifai's real protobuf messages, read from the protos that the
 * devDependency `clarifai-nodejs-grpc` ships, to check that JSON bodies (the emulator's
 * responses, the client's requests) use only names the official messages define.
 *
 *   protoFields('Secret')                      // ['id', 'user_id', 'value', ...]
 *   assertProtoShape('MultiSecretResponse', json)   // throws naming any field the proto lacks
 *
 * Names are the proto (snake_case) names, which is what this package sends and what
 * Clarifai answers with; protojson's lowerCamelCase aliases count as unknown here on purpose.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One field of a message: its proto name, declared type (as written) and whether it is repeated. */
export interface ProtoField {
  name: string;
  type: string;
  repeated: boolean;
}

const PROTO_FILES = ['resources.proto', 'service.proto', 'status/status.proto'];

let cache: Map<string, ProtoField[]> | undefined;

function messages(): Map<string, ProtoField[]> {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  // The package's main is src/index.js; the protos sit next to src/.
  const root = join(dirname(require.resolve('clarifai-nodejs-grpc')), '..', 'proto', 'clarifai', 'api');
  const found = new Map<string, ProtoField[]>();
  for (const file of PROTO_FILES) parseProto(readFileSync(join(root, file), 'utf8'), found);
  cache = found;
  return found;
}

/** The fields of a message by its name (`Secret`, `Status`, `MultiSecretResponse`, ...). Throws for an unknown message. */
export function protoFieldsOf(messageName: string): ProtoField[] {
  const fields = messages().get(messageName);
  if (!fields) throw new Error(`no message ${messageName} in the Clarifai protos`);
  return fields;
}

/** The field names of a message, in declaration order. */
export function protoFields(messageName: string): string[] {
  return protoFieldsOf(messageName).map((f) => f.name);
}

/**
 * Throws when `json` (a parsed JSON body of message `messageName`) holds a field the proto
 * does not define, at any depth: a Secret inside a response, the Status, a UserAppIDSet.
 * The error names the message, the field and its path, e.g.
 * `PatchSecretsRequest.secrets: field "secrets" is not defined in PatchSecretsRequest`.
 * Also throws when a message field holds something other than an object, or a repeated one
 * something other than a list (a shape a proto decoder would refuse).
 */
export function assertProtoShape(messageName: string, json: unknown): void {
  walk(messageName, json, messageName);
}

function walk(messageName: string, json: unknown, path: string): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${path}: expected a JSON object for message ${messageName}, got ${describe(json)}`);
  }
  const fields = new Map(protoFieldsOf(messageName).map((f) => [f.name, f]));
  for (const [key, value] of Object.entries(json)) {
    const field = fields.get(key);
    const at = `${path}.${key}`;
    if (!field) throw new Error(`${at}: field "${key}" is not defined in ${messageName}`);
    if (value === null) continue;
    const nested = messages().has(shortName(field.type)) ? shortName(field.type) : undefined;
    if (field.repeated) {
      if (!Array.isArray(value)) throw new Error(`${at}: expected a list (repeated ${field.type}), got ${describe(value)}`);
      if (nested) value.forEach((item, i) => walk(nested, item, `${at}[${i}]`));
    } else if (nested) {
      walk(nested, value, at);
    }
  }
}

function shortName(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
}

// ---- A small proto3 reader: enough for message and field declarations. ----

const TOKEN = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_][\w.]*|\.[A-Za-z_][\w.]*|-?\d[\w.+-]*|[{}[\]()<>;=,:]/g;

function tokenize(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\]|\\.)*"/g, (m) => (m.startsWith('"') ? m : ' '));
  return withoutComments.match(TOKEN) ?? [];
}

function parseProto(source: string, into: Map<string, ProtoField[]>): void {
  const tokens = tokenize(source);
  let i = 0;
  const skipStatement = (): void => {
    // Up to the `;` that ends a statement, or over a `{...}` block (options, services, enums).
    while (i < tokens.length && tokens[i] !== ';' && tokens[i] !== '{') i++;
    if (tokens[i] === '{') skipBlock();
    else i++;
  };
  const skipBlock = (): void => {
    let depth = 0;
    do {
      if (tokens[i] === '{') depth++;
      else if (tokens[i] === '}') depth--;
      i++;
    } while (depth > 0 && i < tokens.length);
  };
  const parseMessage = (name: string): void => {
    i++; // '{'
    const fields: ProtoField[] = [];
    while (i < tokens.length && tokens[i] !== '}') {
      const token = tokens[i] as string;
      if (token === 'message') {
        const nested = tokens[i + 1] as string;
        i += 2;
        parseMessage(`${name}.${nested}`);
      } else if (token === 'oneof') {
        i += 2; // 'oneof' name
        i++; // '{'
        while (i < tokens.length && tokens[i] !== '}') {
          if (tokens[i] === 'option') skipStatement();
          else readField(fields);
        }
        i++; // '}'
      } else if (token === 'enum' || token === 'extend' || token === 'service') {
        while (tokens[i] !== '{') i++;
        skipBlock();
      } else if (token === 'reserved' || token === 'option' || token === 'extensions' || token === ';') {
        skipStatement();
      } else {
        readField(fields);
      }
    }
    i++; // '}'
    into.set(name, fields);
  };
  const readField = (fields: ProtoField[]): void => {
    let repeated = false;
    let type: string;
    if (tokens[i] === 'repeated') {
      repeated = true;
      i++;
    } else if (tokens[i] === 'optional' || tokens[i] === 'required') {
      i++;
    }
    if (tokens[i] === 'map') {
      // map<K, V> name = N;  (a JSON object: not walked into)
      while (tokens[i] !== '>') i++;
      i++;
      type = 'map';
    } else {
      type = tokens[i++] as string;
    }
    const name = tokens[i++] as string;
    fields.push({ name, type, repeated });
    skipStatement(); // '= N [options];'
  };
  while (i < tokens.length) {
    if (tokens[i] === 'message') {
      const name = tokens[i + 1] as string;
      i += 2;
      parseMessage(name);
    } else {
      skipStatement();
    }
  }
}
