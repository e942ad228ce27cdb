# gunicorn's settings for the web service (the Dockerfile and docker-compose.yml name this file).
accesslog = "-"  # stdout, beside the portal's own lines
# The path without its query string (%(U)s, not %(r)s): a query string could carry what a
# person typed. Name searches are POSTed, so no name reaches this line.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
