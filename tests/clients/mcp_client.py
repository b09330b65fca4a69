"""cited's MCP server as the official MCP Python SDK sees it: `cited mcp` over stdio, or `/mcp` under
`cited serve` over streamable HTTP.

Usage: python mcp_client.py stdio CITED_BIN DATA_DIR, or python mcp_client.py http URL. Exits non-zero
(an AssertionError) if anything is off; prints a JSON summary otherwise.
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client


async def main():
    if sys.argv[1] == "stdio":
        cited, data = sys.argv[2], sys.argv[3]
        env = dict(os.environ, CITED_OFFLINE="1")
        params = StdioServerParameters(command=cited, args=["--data-dir", data, "mcp"], env=env)
        async with stdio_client(params) as (read, write):
            return await check(read, write)
    async with streamablehttp_client(sys.argv[2]) as (read, write, _):
        return await check(read, write)


async def check(read, write):
    if True:
        async with ClientSession(read, write) as session:
            await session.initialize()
            names = sorted(t.name for t in (await session.list_tools()).tools)
            assert names == ["ask", "read_page", "search"], names

            found = await session.call_tool("search", {"query": "decorator", "limit": 3})
            assert not found.isError, found
            hits = json.loads(found.content[0].text)["hits"]
            assert 1 <= len(hits) <= 3, hits

            answered = await session.call_tool("ask", {"question": "What is a decorator?"})
            assert not answered.isError, answered
            answer = json.loads(answered.content[0].text)
            assert answer["sentences"], answer
            assert all(s["verdict"] in ("supported", "weak", "unsupported") for s in answer["sentences"])
            assert answer["sources"] and answer["sources"][0]["quote"]

            url = answer["sources"][0]["url"]
            read = await session.call_tool("read_page", {"url": url})
            assert not read.isError, read
            page = json.loads(read.content[0].text)
            assert page["url"] == url and len(page["text"]) > 100, page["url"]

            missing = await session.call_tool("read_page", {"url": "http://not-crawled.example/"})
            assert missing.isError, missing
    return {"tools": names, "hits": len(hits), "sentences": len(answer["sentences"])}


print(json.dumps(asyncio.run(main())))
