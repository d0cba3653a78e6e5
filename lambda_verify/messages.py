"""Every sentence the lookup shows a person, in one place, for the JSON answers and the HTML pages alike.

The no-match sentence is deliberately the same for an unknown number and a wrong key.
"""

from __future__ import annotations

import math

from esurety.kernel.glossary import glossary

#: Each guarantor's name for its key notice, as data/guarantors.yaml gives it.
_NOTICES = "・".join(f"「{g.key_notice_name.removesuffix('（PDF）')}」" for g in glossary().guarantors.values()
                    if g.key_notice_name)

__all__ = ["MESSAGES", "TITLES", "limited_message"]

TITLES = {
    "invalid": "入力内容を確認してください",
    "no_match": "電子証書を表示できませんでした",
    "limited": "しばらく照会できません",
    "unavailable": "ただいま照会できません",
    "method": "このページは照会フォームの送信先です",
    "not_found": "ページが見つかりません",
    "too_large": "送信された内容が大きすぎます",
    "unsupported": "この送信形式には対応していません",
    "bad_request": "送信された内容を読み取れませんでした",
    "error": "エラーが発生しました",
}

MESSAGES = {
    "invalid": "入力内容に誤りがあります。各項目の説明をご確認ください。",
    "no_match": ("保証契約番号または認証キーが正しくありません。"
                 f"{_NOTICES}に記載のとおりに入力されているか確かめてください。"
                 "認証キーは大文字と小文字を区別します。"),
    "unavailable": "ただいま照会を受け付けられません。少し時間をおいて、もう一度お試しください。",
    "method": "電子証書の確認ページから、保証契約番号と認証キーを入力して照会してください。",
    "not_found": "お探しのページは見つかりませんでした。",
    "too_large": "送信された内容が大きすぎます。保証契約番号と認証キーだけを入力してください。",
    "unsupported": "フォームから送信してください。",
    "bad_request": "送信された内容を読み取れませんでした。もう一度フォームから送信してください。",
    "error": "エラーが発生しました。時間をおいて、もう一度お試しください。",
}


def limited_message(retry_after: int) -> str:
    """429: how long to wait, rounded up to whole minutes."""
    minutes = max(1, math.ceil(retry_after / 60))
    return (f"照会の失敗が続いたため、しばらく照会できません。約{minutes}分後にもう一度お試しください。"
            "保証契約番号と認証キーは、お知らせの記載をもう一度ご確認ください。")
