import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiErrorResponse,
  ApiPageResponse,
} from '../openapi/api-responses.decorators';
import type { Actor } from './actor';
import { CurrentActor, RequireRole } from './auth.decorators';
import { AuthService } from './auth.service';
import {
  IssuedTokenResponseDto,
  MeResponseDto,
  TokenCreateDto,
  TokenResponseDto,
  toTokenResponse,
  toUserResponse,
  UserCreateDto,
  UserCreatedResponseDto,
  UserResponseDto,
} from './user.dto';
import { ParseUuidParamPipe } from '../common/parse-uuid-param.pipe';

@ApiTags('Users and tokens')
@Controller()
export class UsersController {
  constructor(private readonly auth: AuthService) {}

  @Post('users')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Create a user and its first token' })
  @ApiCreatedResponse({ type: UserCreatedResponseDto })
  @ApiErrorResponse(409, 'A user with this name already exists')
  async create(@Body() body: UserCreateDto): Promise<UserCreatedResponseDto> {
    const { user, token } = await this.auth.createUser(body.name, body.role);

    return { ...toUserResponse(user), token: token.token, tokenId: token.id };
  }

  @Get('users')
  @RequireRole('admin')
  @ApiOperation({ summary: 'List all users, oldest first, in one page' })
  @ApiPageResponse(UserResponseDto)
  async list() {
    const users = await this.auth.listUsers();

    return { items: users.map(toUserResponse), nextCursor: null };
  }

  @Get('users/me')
  @ApiOperation({ summary: 'The user of the presented token' })
  @ApiOkResponse({ type: MeResponseDto })
  me(@CurrentActor() actor: Actor): MeResponseDto {
    return { id: actor.id, name: actor.name, role: actor.role };
  }

  @Get('users/:id')
  @RequireRole('admin')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserResponseDto })
  async get(
    @Param('id', ParseUuidParamPipe) id: string,
  ): Promise<UserResponseDto> {
    return toUserResponse(await this.auth.getUser(id));
  }

  @Get('users/:id/tokens')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'List the tokens of a user, revoked ones included, no secrets',
  })
  @ApiPageResponse(TokenResponseDto)
  async listTokens(@Param('id', ParseUuidParamPipe) id: string) {
    const tokens = await this.auth.listTokens(id);

    return { items: tokens.map(toTokenResponse), nextCursor: null };
  }

  @Post('users/:id/tokens')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Issue another token for a user' })
  @ApiCreatedResponse({ type: IssuedTokenResponseDto })
  async issueToken(
    @Param('id', ParseUuidParamPipe) id: string,
    @Body() body: TokenCreateDto,
  ): Promise<IssuedTokenResponseDto> {
    return this.auth.issueToken(id, body.name);
  }

  @Delete('tokens/:id')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke a token; requests presenting it get 401 from then on',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  async revokeToken(
    @Param('id', ParseUuidParamPipe) id: string,
  ): Promise<TokenResponseDto> {
    return toTokenResponse(await this.auth.revokeToken(id));
  }
}
