"""A real WebSub hub and subscriber (PyPI's flask-websub), and a static host
for a folder of feeds, in one local server, for feedsmith's WebSub tests.

Usage: python3 hub.py FOLDER STATE_DIR
Prints `ready PORT` once it listens on 127.0.0.1:PORT. Then:
  /hub                          the hub (subscribe, unsubscribe, publish)
  POST /subscribe topic=&hub=   makes the subscriber subscribe to a topic
  GET  /subscribed              topics whose subscription the hub verified
  GET  /received                notifications the subscriber was sent
  GET  /site/PATH               FOLDER/PATH, as a deployed site serves it,
                                with the Link header WebSub discovery uses
Celery runs its tasks in the calling thread (task_always_eager), so the hub
needs no broker; the server is threaded, so the hub can call the subscriber
it is serving.
"""

import sys
import threading

from celery import Celery
from flask import Flask, jsonify, request, send_from_directory
from flask_websub.hub import Hub, SQLite3HubStorage
from flask_websub.subscriber import (
    SQLite3SubscriberStorage,
    SQLite3TempSubscriberStorage,
    Subscriber,
)
from werkzeug.serving import make_server

folder, state = sys.argv[1], sys.argv[2]
app = Flask(__name__)
app.config["PUBLISH_SUPPORTED"] = True
celery = Celery("hub", broker="memory://")
celery.conf.task_always_eager = True
hub = Hub(SQLite3HubStorage(state + "/hub.db"), celery,
          PUBLISH_SUPPORTED=True, MAX_ATTEMPTS=2, BACKOFF_BASE=0.1, REQUEST_TIMEOUT=10)
app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))
subscriber = Subscriber(SQLite3SubscriberStorage(state + "/sub.db"),
                        SQLite3TempSubscriberStorage(state + "/subtemp.db"))
app.register_blueprint(subscriber.build_blueprint(url_prefix="/callbacks"))

lock = threading.Lock()
received, subscribed = [], []


@subscriber.add_listener
def on_notification(topic_url, callback_id, body):
    with lock:
        received.append({"topic": topic_url, "body": body.decode("utf-8", "replace")})


@subscriber.add_success_handler
def on_success(topic_url, callback_id, mode):
    with lock:
        subscribed.append(topic_url)


@app.route("/subscribe", methods=["POST"])
def subscribe():
    callback = subscriber.subscribe(topic_url=request.form["topic"], hub_url=request.form["hub"])
    return jsonify({"callback": callback})


@app.route("/subscribed")
def list_subscribed():
    with lock:
        return jsonify(subscribed)


@app.route("/received")
def list_received():
    with lock:
        return jsonify(received)


@app.route("/site/<path:path>")
def site(path):
    response = send_from_directory(folder, path)
    response.headers["Link"] = '<%s>; rel="hub", <%s>; rel="self"' % (
        request.host_url + "hub", request.base_url)
    return response


server = make_server("127.0.0.1", 0, app, threaded=True)
print("ready %d" % server.server_port, flush=True)
server.serve_forever()
