"""The error pages of every blueprint."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from webapp.errors import Forbidden, NotFound

ERROR_TITLES = {
    400: "请求有误",
    413: "上传的文件过大",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的请求方式",
    500: "系统内部错误",
}


def register_error_pages(app: Flask) -> None:
    """The error pages, in Chinese; a case or task the user may not see is a 404, an act they may not do a 403."""

    def render_error(error: HTTPException):
        code = error.code or 500
        title = ERROR_TITLES.get(code, "出错了")
        return render_template("errors.html", code=code, title=title, message=error.description), code

    for code in ERROR_TITLES:
        app.register_error_handler(code, render_error)

    # A case or task the user may not see is a 404, an act they may not do a 403, on every blueprint.
    def refused_with(code: int):
        def refused(error):
            return render_template(
                "errors.html", code=code, title=ERROR_TITLES[code], message=str(error)
            ), code

        return refused

    app.register_error_handler(NotFound, refused_with(404))
    app.register_error_handler(Forbidden, refused_with(403))
