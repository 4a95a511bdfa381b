import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import type { Actor } from './actor';
import { CurrentActor, RequireRole } from './auth.decorators';
import { AuthService } from './auth.service';
import {
  TokenCreateDto,
  toTokenResponse,
  toUserResponse,
  UserCreateDto,
} from './user.dto';

@Controller()
export class UsersController {
  constructor(private readonly auth: AuthService) {}

  @Post('users')
  @RequireRole('admin')
  async create(@Body() body: UserCreateDto) {
    const { user, token } = await this.auth.createUser(body.name, body.role);

    return { ...toUserResponse(user), token: token.token, tokenId: token.id };
  }

  @Get('users')
  @RequireRole('admin')
  async list() {
    const users = await this.auth.listUsers();

    return { items: users.map(toUserResponse), nextCursor: null };
  }

  @Get('users/me')
  me(@CurrentActor() actor: Actor) {
    return { id: actor.id, name: actor.name, role: actor.role };
  }

  @Get('users/:id')
  @RequireRole('admin')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return toUserResponse(await this.auth.getUser(id));
  }

  @Get('users/:id/tokens')
  @RequireRole('admin')
  async listTokens(@Param('id', ParseUUIDPipe) id: string) {
    const tokens = await this.auth.listTokens(id);

    return { items: tokens.map(toTokenResponse), nextCursor: null };
  }

  @Post('users/:id/tokens')
  @RequireRole('admin')
  async issueToken(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: TokenCreateDto,
  ) {
    return this.auth.issueToken(id, body.name);
  }

  @Delete('tokens/:id')
  @RequireRole('admin')
  @HttpCode(200)
  async revokeToken(@Param('id', ParseUUIDPipe) id: string) {
    return toTokenResponse(await this.auth.revokeToken(id));
  }
}
