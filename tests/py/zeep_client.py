"""A SOAP client built by zeep from the gateway's served WSDL: SendRequest, GetResponse, Ack.

Usage: zeep_client.py BASE_URL VERSION TOKEN
Prints one JSON object with what happened; exits non-zero on failure.
"""
import datetime
import json
import sys
import time
import uuid

import requests
from lxml import etree
from zeep import Client
from zeep.transports import Transport

base, version, token = sys.argv[1], sys.argv[2], sys.argv[3]
session = requests.Session()
session.headers["Authorization"] = f"Bearer {token}"
client = Client(f"{base}/smev/{version}?wsdl", transport=Transport(session=session))

message_id = str(uuid.uuid1())
payload = etree.fromstring(
    '<t:TestRequest xmlns:t="urn://gateway/test/1.0"><t:Action>echo</t:Action><t:Text>zeep</t:Text></t:TestRequest>'
)
data = {"MessageID": message_id, "MessagePrimaryContent": {"_value_1": payload}}
if version == "1.2":
    data["ReferenceMessageID"] = message_id
    data["TransactionCode"] = "TX-zeep"
sent = client.service.SendRequest(SenderProvidedRequestData=data)

answer = None
for _ in range(200):
    selector = {
        "NamespaceURI": "urn://gateway/test/1.0",
        "RootElementLocalName": "TestResponse",
        "Timestamp": datetime.datetime.now(datetime.timezone.utc),
    }
    got = client.service.GetResponse(MessageTypeSelector=selector)
    if got is not None and getattr(got, "Response", None) is not None:
        answer = got
        break
    time.sleep(0.05)
if answer is None:
    print(json.dumps({"error": "no answer"}))
    sys.exit(1)

response = answer.Response
original = response.OriginalMessageId
response_id = response.MessageMetadata.MessageId
content = response.SenderProvidedResponseData.MessagePrimaryContent
text = etree.tostring(content._value_1, encoding="unicode") if content is not None else ""
ack = {"_value_1": response_id, "Id": "SIGNED_BY_CALLER", "accepted": True}
client.service.Ack(AckTargetMessage=ack)
print(json.dumps({
    "sent": message_id,
    "sent_metadata_id": sent.MessageId if hasattr(sent, "MessageId") else str(sent),
    "original": original,
    "response_id": response_id,
    "payload": text,
}))
