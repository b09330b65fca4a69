"""cited's /v1 endpoint as the official `openai` Python package sees it.

Usage: python openai_client.py BASE_URL QUESTION. Exits non-zero (an AssertionError) if anything is
off; prints a JSON summary otherwise.
"""
import json
import sys

import openai

base, question = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=f"{base}/v1", api_key="not-needed")

models = [m.id for m in client.models.list()]
assert models == ["cited"], models

# Not streamed: the answer with [n] markers, one url_citation per citation, cited's extension.
resp = client.chat.completions.create(
    model="cited", messages=[{"role": "user", "content": question}]
)
message = resp.choices[0].message
content = message.content
assert content and "[1]" in content, content
assert resp.choices[0].finish_reason == "stop"
cited = resp.model_extra["cited"]
sentences = [s["text"] for s in cited["sentences"]]
annotations = message.annotations or []
assert annotations, "no annotations"
for a in annotations:
    assert a.type == "url_citation"
    span = content[a.url_citation.start_index : a.url_citation.end_index]
    assert span in sentences, (span, sentences)
    assert a.url_citation.url in [src["link"] for src in cited["sources"]], a.url_citation.url
    assert a.url_citation.title
assert all(s["verdict"] in ("supported", "weak", "unsupported") for s in cited["sentences"])

# Streamed: the same content, the annotations and the extension with the last chunk.
stream = client.chat.completions.create(
    model="cited", messages=[{"role": "user", "content": question}], stream=True
)
pieces, finish, streamed_annotations, extension = [], None, None, None
for chunk in stream:
    choice = chunk.choices[0]
    if choice.delta.content:
        pieces.append(choice.delta.content)
    extra = choice.delta.model_extra or {}
    if extra.get("annotations"):
        streamed_annotations = extra["annotations"]
    if choice.finish_reason:
        finish = choice.finish_reason
        extension = (chunk.model_extra or {}).get("cited")
assert "".join(pieces) == content, ("".join(pieces), content)
assert finish == "stop"
assert streamed_annotations and len(streamed_annotations) == len(annotations)
assert extension and extension["sentences"] == cited["sentences"]

# A follow-up is answered about what the conversation is about: its standalone form carries the
# previous question's rarest words, and is shown in the extension.
first = client.chat.completions.create(
    model="cited",
    messages=[{"role": "user", "content": "What is the global interpreter lock?"}],
)
follow = client.chat.completions.create(
    model="cited",
    messages=[
        {"role": "user", "content": "What is the global interpreter lock?"},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "and what are its drawbacks?"},
    ],
)
asked = follow.model_extra["cited"]["question"]
assert asked.startswith("and what are its drawbacks?") and "lock" in asked, asked
follow_text = follow.choices[0].message.content.lower()
assert "interpreter" in follow_text or "gil" in follow_text, follow_text

# A model cited does not offer is OpenAI's 404, in OpenAI's shape.
try:
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    raise AssertionError("an unknown model was accepted")
except openai.NotFoundError as e:
    assert "cited" in str(e), e
# No user message: a 400.
try:
    client.chat.completions.create(model="cited", messages=[{"role": "system", "content": "x"}])
    raise AssertionError("no question was accepted")
except openai.BadRequestError:
    pass

print(json.dumps({"content": content, "annotations": len(annotations), "streamed_pieces": len(pieces), "follow_up_asked_as": asked}))
