import re


def test_govuk_frontend_css_and_htmx_are_served(client, db):
    for path in ("/static/govuk/govuk-frontend.min.css", "/static/vendor/htmx/htmx.min.js"):
        assert client.get(path).status_code == 200, path


def test_govuk_fonts_and_images_are_served_under_assets_where_the_css_expects_them(client, db):
    css = b"".join(client.get("/static/govuk/govuk-frontend.min.css").streaming_content).decode()
    font_urls = set(re.findall(r"url\(\"?(/assets/fonts/[^\")]+)", css))
    assert font_urls, "govuk-frontend's CSS should ask for its fonts under /assets/"
    for url in font_urls:
        assert client.get(url).status_code == 200, url
    assert client.get("/assets/images/favicon.ico").status_code == 200


def test_moj_frontend_and_the_images_its_css_asks_for_are_served(client, db):
    for path in ("/static/moj/moj-frontend.min.css", "/static/moj/moj-frontend.min.js", "/static/mash/staff.js"):
        assert client.get(path).status_code == 200, path
    css = b"".join(client.get("/static/moj/moj-frontend.min.css").streaming_content).decode()
    image_urls = set(re.findall(r"url\(\"?(/assets/images/[^\")]+)", css))
    assert image_urls, "MoJ Frontend's CSS should ask for its icons under /assets/"
    for url in image_urls:
        assert client.get(url).status_code == 200, url
