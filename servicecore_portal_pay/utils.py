from markupsafe import Markup


def html_list(heading, lines):
    """A chatter body: a heading paragraph and a bullet list, every piece escaped.

    :param str heading: the (translated) heading
    :param iterable lines: the (translated) lines; Markup (e.g. record links) is kept as is
    :rtype: Markup
    """
    items = Markup("").join(Markup("<li>%s</li>") % line for line in lines)
    return Markup("<p>%s</p><ul>%s</ul>") % (heading, items)
