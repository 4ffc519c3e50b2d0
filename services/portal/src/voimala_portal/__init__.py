"""The portal: server-rendered pages for the programme's people over the services' HTTP APIs."""
