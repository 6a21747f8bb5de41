/* test_syntax_js.c: JavaScript, TypeScript and TSX symbols and references. */
#include "syntax_test.h"

/* src/server.js */
static const char js_src[] = "// src/server.js\n"
                             "import express from \"express\";\n"
                             "import { readFile, writeFile as wf } from \"node:fs/promises\";\n"
                             "const path = require(\"path\");\n"
                             "\n"
                             "export const PORT = 8080;\n"
                             "const handler = async (req, res) => {\n"
                             "  res.send(render(req.query));\n"
                             "};\n"
                             "function* ids() { yield 1; }\n"
                             "\n"
                             "export default class Server extends Base {\n"
                             "  static instances = 0;\n"
                             "  #secret;\n"
                             "  constructor(app) {\n"
                             "    super();\n"
                             "    this.app = app;\n"
                             "  }\n"
                             "  async start(port = PORT, ...hooks) {\n"
                             "    await listen(this.app, port);\n"
                             "    hooks.forEach((h) => h(this));\n"
                             "  }\n"
                             "  get running() { return this.#secret; }\n"
                             "}\n"
                             "\n"
                             "export function helper(a, { b, c }) {\n"
                             "  function inner() {}\n"
                             "  return a + b;\n"
                             "}\n"
                             "\n"
                             "describe(\"x\", () => { function local() {} });\n"
                             "export { handler };\n";

TEST(js_symbols_listing)
{
	braid_syntax_tree *t = parse_ok("javascript", js_src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	/* functions inside callbacks and bodies are locals, not symbols */
	CHECK_LISTING(t, "express import L1-1\n"
	                 "node:fs/promises import L2-2\n"
	                 "path variable L3-3\n"
	                 "PORT variable L5-5\n"
	                 "handler function L6-8\n"
	                 "ids function L9-9\n"
	                 "Server class L11-23\n"
	                 "  Server.instances field L12-12\n"
	                 "  Server.#secret field L13-13\n"
	                 "  Server.constructor method L14-17\n"
	                 "  Server.start method L18-21\n"
	                 "  Server.running method L22-22\n"
	                 "helper function L25-28\n");
	braid_syntax_tree_free(t);
}

TEST(js_exports_and_bound_functions)
{
	braid_syntax_tree *t = parse_ok("javascript", js_src);

	/* `export` wraps the definition; a const-bound arrow is a function */
	CHECK_SYMBOL(t, js_src, "Server", "class", "export default class Server");
	CHECK_SYMBOL(t, js_src, "PORT", "variable", "export const PORT = 8080;");
	CHECK_SYMBOL_TEXT(t, js_src, "handler",
	                  "const handler = async (req, res) => {\n"
	                  "  res.send(render(req.query));\n};");
	CHECK_SYMBOL(t, js_src, "helper", "function", "export function helper(");
	CHECK_SYMBOL(t, js_src, "Server.start", "method", "async start(port = PORT");
	CHECK_SYMBOL(t, js_src, "start", "method", "async start(");
	CHECK_SIGNATURE(t, "Server.start", "Server.start(port,...hooks)");
	CHECK_SIGNATURE(t, "handler", "handler(req,res)");
	CHECK_SIGNATURE(t, "helper", "helper(a,{b,c})");
	braid_syntax_tree_free(t);
}

TEST(js_references)
{
	braid_syntax_tree *t = parse_ok("javascript", js_src);

	CHECK_REFS(t, "Server.start", "PORT,listen,app,port,hooks,forEach,h");
	CHECK_REFS(t, "handler", "res,send,render,req,query");
	CHECK_REFS(t, "helper", "a,b");
	CHECK_REFS(t, NULL, "describe,handler");
	braid_syntax_tree_free(t);
}

TEST(js_export_default_expression)
{
	static const char src[] = "export default function (a, b) { return a + b; }\n";
	braid_syntax_tree *t = parse_ok("javascript", src);

	CHECK_LISTING(t, "default function L0-0\n");
	CHECK_SYMBOL(t, src, "default", "function", "export default function (a, b)");
	CHECK_SIGNATURE(t, "default", "default(a,b)");
	braid_syntax_tree_free(t);
}

/* src/repo.ts */
static const char ts_src[] = "import type { Request } from \"./http\";\n"
                             "export interface Shape {\n"
                             "  area(): number;\n"
                             "  readonly name?: string;\n"
                             "}\n"
                             "export type Id = string | number;\n"
                             "export enum Color { Red, Green = \"g\" }\n"
                             "declare function log(msg: string, ...rest: unknown[]): void;\n"
                             "export abstract class Repo<T extends Shape> implements Store {\n"
                             "  private items: Map<Id, T> = new Map();\n"
                             "  constructor(public readonly db: Db) {}\n"
                             "  abstract find(id: Id): T | undefined;\n"
                             "  save(item: T, opts?: SaveOptions, cb = noop): Promise<void> {\n"
                             "    return this.db.put(toKey(item), item);\n"
                             "  }\n"
                             "}\n"
                             "export namespace Util { export const zero = 0; }\n"
                             "export function parse(input: string): Id;\n"
                             "export function parse(input: any) { return input as Id; }\n"
                             "export const area = (s: Shape): number => s.area();\n";

TEST(ts_symbols_listing)
{
	braid_syntax_tree *t = parse_ok("typescript", ts_src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_LISTING(t, "./http import L0-0\n"
	                 "Shape interface L1-4\n"
	                 "  Shape.area method L2-2\n"
	                 "  Shape.name field L3-3\n"
	                 "Id type L5-5\n"
	                 "Color enum L6-6\n"
	                 "  Color.Red enumerator L6-6\n"
	                 "  Color.Green enumerator L6-6\n"
	                 "log prototype L7-7\n"
	                 "Repo class L8-15\n"
	                 "  Repo.items field L9-9\n"
	                 "  Repo.constructor method L10-10\n"
	                 "  Repo.find method L11-11\n"
	                 "  Repo.save method L12-14\n"
	                 "Util namespace L16-16\n"
	                 "  Util.zero variable L16-16\n"
	                 "parse prototype L17-17\n"
	                 "parse function L18-18\n"
	                 "area function L19-19\n");
	braid_syntax_tree_free(t);
}

TEST(ts_ranges_signatures_references)
{
	braid_syntax_tree *t = parse_ok("typescript", ts_src);

	CHECK_SYMBOL(t, ts_src, "Repo", "class", "export abstract class Repo<T extends Shape>");
	CHECK_SYMBOL(t, ts_src, "Shape", "interface", "export interface Shape {");
	CHECK_SYMBOL(t, ts_src, "log", "prototype", "declare function log(");
	/* the overload with a body wins over the signature */
	CHECK_SYMBOL(t, ts_src, "parse", "function", "export function parse(input: any)");
	CHECK_SIGNATURE(t, "Repo.save", "Repo.save(T,SaveOptions,any)");
	CHECK_SIGNATURE(t, "log", "log(string,...unknown[])");
	CHECK_SIGNATURE(t, "area", "area(Shape)");
	CHECK_SIGNATURE(t, "Repo.constructor", "Repo.constructor(Db)");
	CHECK_REFS(t, "Repo.save", "T,SaveOptions,noop,Promise,db,put,toKey,item");
	CHECK_REFS(t, "Repo", "Shape,Store");
	braid_syntax_tree_free(t);
}

TEST(tsx_components)
{
	static const char src[] = "import React from \"react\";\n"
	                          "type Props = { title: string };\n"
	                          "export function Header({ title }: Props) {\n"
	                          "  return <h1 className=\"x\">{format(title)}</h1>;\n"
	                          "}\n"
	                          "export const Footer = () => <footer>{year()}</footer>;\n";
	braid_syntax_tree *t = parse_ok("tsx", src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_LISTING(t, "react import L0-0\n"
	                 "Props type L1-1\n"
	                 "Header function L2-4\n"
	                 "Footer function L5-5\n");
	CHECK_SIGNATURE(t, "Header", "Header(Props)");
	CHECK_REFS(t, "Header", "Props,h1,className,format,title");
	braid_syntax_tree_free(t);
	/* the same JSX is an error in plain TypeScript */
	t = parse_ok("typescript", src);
	CHECK(braid_syntax_error_count(t) > 0);
	braid_syntax_tree_free(t);
}

TEST(js_broken_buffer_counts_errors)
{
	braid_syntax_tree *t = parse_ok("javascript", "function f( { return 1 + ; }\nclass {\n");

	CHECK(braid_syntax_error_count(t) > 0);
	braid_syntax_tree_free(t);
}
