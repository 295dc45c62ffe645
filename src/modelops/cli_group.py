"""The ``modelops`` click group itself: lazy subgroups, and every error as one line with its exit status.

Exit status: 0 done, 1 the operation failed (unknown version, illegal transition, AWS refused), 2 usage
(bad option, malformed reference, missing reason). The commands are in ``modelops.cli``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

# Subgroups owned by other modules, imported only when used: name -> (module, attribute, short help).
LAZY_GROUPS = {
    "local": (
        "modelops.local.commands",
        "local",
        "Run the embedded AWS (moto plus modelops' patches) on this machine.",
    ),
}

F = TypeVar("F", bound=Callable[..., Any])


class MainGroup(click.Group):
    """The ``modelops`` group: lazy subgroups and one-line errors with the documented exit status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_GROUPS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_GROUPS and name not in self.commands:
            module_name, attribute, _ = LAZY_GROUPS[name]
            try:
                module = __import__(module_name, fromlist=[attribute])
            except ImportError as error:
                if (error.name or "").startswith("modelops"):
                    raise click.ClickException(
                        f"'modelops {name}' is not part of this installation ({error.name} is missing)"
                    ) from None
                raise click.ClickException(
                    f"'modelops {name}' needs the embedded AWS ({error.name} is not installed); "
                    "install it with: pip install 'modelops[local]'"
                ) from None
            command: click.Command = getattr(module, attribute)
            return command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing must not import the lazy groups: their help text is kept here instead.
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_GROUPS and name not in self.commands:
                rows.append((name, LAZY_GROUPS[name][2]))
            elif (command := self.commands.get(name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    # Click's own standalone mode prints usage errors on three lines; this keeps every error to one.
    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        extra.pop("standalone_mode", None)
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.UsageError as error:
            where = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            _fail(f"{error.format_message()}{where}", 2)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except click.Abort:
            _fail("aborted", 1)
        sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def handled(function: F) -> F:
    """Turn library and AWS errors into click errors: usage problems exit 2, failed operations exit 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

        from modelops.registry import (
            InvalidMetadataError,
            MalformedReferenceError,
            ReasonRequiredError,
            RegistryError,
        )

        try:
            return function(*args, **kwargs)
        except (MalformedReferenceError, ReasonRequiredError, InvalidMetadataError) as error:
            raise click.UsageError(str(error)) from None
        except RegistryError as error:
            raise click.ClickException(str(error)) from None
        except NoRegionError:
            raise click.ClickException("no AWS region: pass --region or set AWS_DEFAULT_REGION") from None
        except NoCredentialsError:
            raise click.ClickException(
                "no AWS credentials: configure the default chain (aws configure, AWS_PROFILE, a role), or "
                "point AWS_ENDPOINT_URL at the embedded AWS (modelops local up)"
            ) from None
        except ClientError as error:
            detail = error.response.get("Error", {})
            raise click.ClickException(
                f"AWS refused {error.operation_name}: {detail.get('Code')}: {detail.get('Message')}"
            ) from None
        except BotoCoreError as error:
            raise click.ClickException(f"AWS call failed: {error}") from None

    return wrapper  # type: ignore[return-value]
