from markupsafe import Markup


def html_list(heading, lines):
    """A chatter body: a heading paragraph and a bullet list, every piece escaped.

    :param str heading: the (translated) heading
    :param iterable lines: the (translated) lines; Markup (e.g. record links) is kept as is
    :rtype: Markup
    """
    items = Markup("").join(Markup("<li>%s</li>") % line for line in lines)
    return Markup("<p>%s</p><ul>%s</ul>") % (heading, items)


def trigger_cron(env, xmlid):
    """Have the scheduled action ``xmlid`` run as soon as the current transaction commits
    (nothing if an administrator deleted it)."""
    cron = env.ref(xmlid, raise_if_not_found=False)
    if cron:
        cron.sudo()._trigger()
