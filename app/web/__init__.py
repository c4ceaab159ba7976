"""What people look at: the status page, region pages, badges, the embeddable widget and the
Atom feed of incidents. Pure view-model builders beside thin routes and Jinja2 templates."""
